// The CSRF token of a POST from a page that carries none: the CSRF cookie's secret, which Django
// takes as the form's field or the X-CSRFToken header as it takes a masked token.
//
// Every logged-in page has the header's log-out form, and most have no other. A token written into
// the page would cost each request a freshly masked token and a renewed cookie, on pages otherwise
// shared by the readers of a kind (cases/slots.py). So the form carries none, and its field is
// filled from the cookie as it is sent. Without scripts, or without the cookie, it is sent without
// one, and the log-out page asks again with a form of its own (accounts/views.py).

const FIELD = 'csrfmiddlewaretoken';

function cookie(name) {
  const pair = document.cookie.split('; ').find((each) => each.startsWith(`${name}=`));
  return pair ? decodeURIComponent(pair.slice(name.length + 1)) : '';
}

// The token for a POST from this page: the cookie's, else a form's on the page.
export function csrfToken() {
  const holder = document.querySelector('[data-csrf-cookie]');
  const fromCookie = holder ? cookie(holder.dataset.csrfCookie) : '';
  return fromCookie || document.querySelector(`input[name="${FIELD}"]`)?.value || '';
}

// Once per form, though a page may load this module twice: in production its <script> names the
// hashed file, and a module importing csrfToken() the plain one.
for (const form of document.querySelectorAll('form[data-csrf-cookie]:not([data-csrf-filled])')) {
  form.dataset.csrfFilled = '';
  form.addEventListener('submit', () => {
    const token = cookie(form.dataset.csrfCookie);
    if (!token) return; // sent without: the log-out page asks again, with a token
    let field = form.querySelector(`input[name="${FIELD}"]`);
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = FIELD;
      form.append(field);
    }
    field.value = token;
  });
}
