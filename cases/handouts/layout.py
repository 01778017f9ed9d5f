"""Page layout of the handouts: an image shrinks into the room left on a page rather than move to
the next and leave that page half empty.

CSS alone cannot do it (an image's `break-inside: avoid` moves it whole to the next page, whatever
the room it leaves). So the handout is laid out, each image that was pushed to a new page is given
the height that fits the room above it (when that height is still readable), and it is laid out
again: a few passes, each bounded by the images of the document.

Heights are WeasyPrint's CSS pixels (96 to the inch). Images are named to this module by their
`data-fit` attribute (templates/cases/_handout_case.html).
"""

from weasyprint import HTML

PX_PER_MM = 96 / 25.4
# Shorter than this on paper, an image is not worth the page it saves: it moves to the next page.
READABLE_PX = 70 * PX_PER_MM
MAX_PASSES = 4
# The margins above a pushed image's headings: dropped at the top of a page, kept below text.
MARGINS_PX = 8 * PX_PER_MM


def render(html, fetcher):
    """The laid-out WeasyPrint document of the HTML, its pushed images shrunk to fit (their
    heights found pass by pass, at most MAX_PASSES layouts)."""
    heights = {}
    for _ in range(MAX_PASSES - 1):
        document = HTML(string=with_heights(html, heights), url_fetcher=fetcher).render()
        shrunk = pushed_images(document)
        if not shrunk:
            return document
        heights.update(shrunk)
    return HTML(string=with_heights(html, heights), url_fetcher=fetcher).render()


def with_heights(html, heights):
    """The HTML with each named image's max-height set (an inline style wins over the sheet)."""
    for name, height in heights.items():
        html = html.replace(
            f'data-fit="{name}"', f'data-fit="{name}" style="max-height: {height:.1f}px"', 1
        )
    return html


def pushed_images(document):
    """{name: height} for each image that begins its page's content (after headings or
    nothing: it was pushed there whole) while the page before left room for it, with its
    headings and their margins, at a readable height."""
    shrunk = {}
    pages = [page._page_box for page in document.pages]
    for before, page in zip(pages, pages[1:], strict=False):
        figure = _first_figure(page)
        if figure is None:
            continue
        image = _image_of(figure)
        room = _content_bottom(before) - used_bottom(before)
        needed = figure.position_y + figure.margin_height() - page.content_box_y()
        height = room - MARGINS_PX - (needed - image.height)
        if height >= READABLE_PX:
            shrunk[image.element.get("data-fit")] = height
    return shrunk


def used_bottom(page_box):
    """Where the page's content ends: the bottom of its last line or image (in the document's
    root box: the page's other children are its margin boxes, the footer)."""
    bottoms = [
        box.position_y + box.margin_height()
        for box in _descendants(page_box.children[0])
        if type(box).__name__ in ("LineBox", "BlockReplacedBox", "InlineReplacedBox")
    ]
    return max(bottoms, default=page_box.content_box_y())


def fill(page):
    """How much of a page's content area its content takes, from 0 to 1."""
    box = page._page_box
    return (used_bottom(box) - box.content_box_y()) / box.height


def _content_bottom(page_box):
    return page_box.content_box_y() + page_box.height


def _first_figure(page_box):
    """The page's first figure when only headings come before it on the page, else None."""
    for box in _descendants(page_box):
        tag = getattr(box, "element_tag", None)
        if tag == "figure":
            return box if _image_of(box) is not None else None
        if tag in ("p", "dd", "dt", "li", "td") and type(box).__name__ == "BlockBox":
            return None
    return None


def _image_of(figure):
    return next(
        (box for box in _descendants(figure)
         if type(box).__name__ == "BlockReplacedBox" and box.element.get("data-fit")),
        None,
    )


def _descendants(box):
    for child in getattr(box, "children", ()) or ():
        yield child
        yield from _descendants(child)
