"""An annotation's page in the admin, listed nowhere: where its case's history (for editors,
cases/admin_history.py) opens one of its versions to revert it. Annotations are drawn in the
viewer (viewer/views.py); this page checks them with the viewer's own form."""

from django.contrib import admin
from django.forms import ModelForm
from django.http import Http404, HttpResponseRedirect

from cases.admin_access import PartAdmin
from cases.models import Case
from viewer.forms import AnnotationForm
from viewer.models import Annotation, Image


class AnnotationAdminForm(AnnotationForm):
    """The viewer's checks (points inside the image's reach, a text's label) on the admin's form,
    for the image the annotation is drawn on."""

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, image=instance.image, instance=instance, **kwargs)

    save = ModelForm.save  # the admin saves with commit=False, then save_model()


@admin.register(Annotation)
class AnnotationAdmin(PartAdmin):
    form = AnnotationAdminForm
    fields = ["image", "kind", "points", "label"]
    readonly_fields = ["image"]  # a mark stays on its image, whoever reverts it

    def case_of(self, obj):
        """The case of the annotation's image; 404 once the image is gone (its marks went with
        it, and a version of one has nothing to be drawn on)."""
        image = Image.objects.select_related("study__case").filter(pk=obj.image_id).first()
        if image is None:
            raise Http404("The annotation's image is no longer in its case.")
        return image.study.case

    def get_queryset(self, request):
        editable = Case.objects.editable_by(request.user)
        annotations = Annotation.objects.filter(image__study__case__in=editable)
        return annotations.select_related("image__study__case")

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(self.case_of(obj).get_admin_url())
