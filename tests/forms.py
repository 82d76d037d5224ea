"""Submitting a Django admin form as a browser would: every field as the page shows it."""

from html.parser import HTMLParser


class FormFields(HTMLParser):
    def __init__(self, html, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self._textarea = self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") == self.form_id if self.form_id else attrs.get("method") == "post"):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                value = attrs.get("value", "")
                if kind == "hidden" and name in self.data:  # repeated, as an action's selected items
                    earlier = self.data[name]
                    self.data[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
                else:
                    self.data[name] = value
        elif tag == "textarea" and name:
            self._textarea, self.data[name] = name, ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def admin_form_data(html, form_id=None):
    """The fields of the form ``form_id`` (None: of every form posted)."""
    fields = FormFields(html, form_id).data
    return {name: value for name, value in fields.items() if value != []}


def admin_action(client, changelist_url, action, pks, *, follow=False):
    """Tick the items ``pks`` in a changelist as it is shown and choose
    ``action``, as a browser does: the list's form carries what it was read at."""
    data = admin_form_data(client.get(changelist_url).content.decode(), "changelist-form")
    data.update(action=action, _selected_action=[str(pk) for pk in pks])
    return client.post(changelist_url, data, follow=follow)


def confirm(client, url, confirmation, form_id="publication-confirmation", **changes):
    """Submit an action's confirmation page (a response) as a browser does."""
    data = admin_form_data(confirmation.content.decode(), form_id)
    data.update(changes)
    return client.post(url, data, follow=True)


def add_row(data, prefix, **fields):
    """A new row in the inline ``prefix`` of a form's ``data``, as its "add" button makes one; its index."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    return index


def row_of(data, prefix, obj):
    """The index of ``obj``'s row in the inline ``prefix`` of a form's ``data``."""
    return next(int(key.split("-")[1]) for key, value in data.items()
                if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(obj.pk))
