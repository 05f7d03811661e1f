"""Helpers for admin tests: read a rendered admin form and post it back like a browser."""

from html.parser import HTMLParser

from django.contrib import admin
from django.urls import reverse


class _FormParser(HTMLParser):
    """Collects what a browser would submit from one <form>, and each inline's empty row."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.fields.append((self.textarea, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None


def browser_data(response) -> dict:
    """The POST data a browser sends for an admin add/change page when nothing is touched.

    Inline management forms and extra rows come along; each inline's empty row template
    (`prefix-__prefix__-field`) is kept under the key `"__templates__"` for `add_row`.
    """
    assert response.status_code == 200, response.status_code
    model_name = response.context["opts"].model_name
    parser = _FormParser(f"{model_name}_form")
    parser.feed(response.content.decode())
    data: dict = {}
    templates: dict[str, dict[str, str]] = {}
    for name, value in parser.fields:
        if "__prefix__" in name:
            prefix, field = name.split("-__prefix__-")
            templates.setdefault(prefix, {})[field] = value
            continue
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    data["__templates__"] = templates
    return data


def add_row(data: dict, prefix: str, **fields) -> int:
    """Append a new inline row (as the "Add another" link does) and return its index."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for field, value in {**data["__templates__"][prefix], **fields}.items():
        data[f"{prefix}-{index}-{field}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    return index


def post(client, url: str, data: dict, **extra):
    """Post `data` (from `browser_data`) without the helper's own keys."""
    return client.post(url, {k: v for k, v in data.items() if k != "__templates__"}, **extra)


def form_errors(response) -> list[str]:
    """Every error message of the admin form and its inlines, flattened."""
    messages = []
    if response.context is None:
        return messages
    adminform = response.context.get("adminform")
    if adminform is not None:
        for errors in adminform.form.errors.values():
            messages.extend(errors)
    for inline in response.context.get("inline_admin_formsets", []):
        messages.extend(inline.formset.non_form_errors())
        for errors in inline.formset.errors:
            for field_errors in errors.values():
                messages.extend(field_errors)
    return messages


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def registered_models(app_label: str) -> list:
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label == app_label),
        key=lambda model: model._meta.model_name,
    )


# Specifications --------------------------------------------------------------------------------
