"""Admin forms shared by every app that cites sources or keeps an ordered inline list.

A citation is entered by pasting a link: the form normalizes it and finds or creates the one
`Source` for that document when the item is saved, so two spellings of a URL never become two
sources. Ordered inlines renumber their rows 1..n on save, whatever positions were typed.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .links import normalize_url
from .models import Citation, Source

ORDER_FIELD = "order"


class OrderedInlineFormSet(BaseInlineFormSet):
    """An inline formset whose rows are renumbered 1..n, in the order typed, on save.

    Use with `OrderedInlineForm` (or a subclass) as the inline's form, which shows the
    position as a form-only `order` field. Rows sort by the position entered (an empty or
    zero position goes last); ties keep the order on the page. Deletions happen first, so a
    removed row never blocks a new one; the unique (item, position) constraint is deferred on
    PostgreSQL, so swapping two positions is safe inside the admin's transaction.
    """

    position_field = "position"

    def _kept_forms(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))
            and hasattr(form, "cleaned_data")
            and (form.instance.pk is not None or form.has_changed())
        ]

    def _order_key(self, indexed_form: tuple[int, forms.Form]) -> tuple[bool, int, int]:
        """Typed position first, empty or 0 last, then the order on the page."""
        index, form = indexed_form
        position = form.cleaned_data.get(ORDER_FIELD)
        return (not position, position or 0, index)

    def save(self, commit: bool = True) -> list:
        if not commit:
            return super().save(commit=False)
        saved = super().save(commit=False)
        for obj in self.deleted_objects:
            obj.delete()
        saved_ids = {id(obj) for obj in saved}
        ordered = sorted(enumerate(self._kept_forms()), key=self._order_key)
        for number, (_, form) in enumerate(ordered, start=1):
            obj = form.instance
            if id(obj) in saved_ids or getattr(obj, self.position_field) != number:
                setattr(obj, self.position_field, number)
                obj.save()
        self.save_m2m()
        return saved

    save.alters_data = True


class OrderedInlineForm(forms.ModelForm):
    """A row of an ordered inline.

    The position typed only orders the rows: the formset writes the final 1..n numbers. It is
    a form-only field, never validated as model data, so two rows may share a number, or swap
    numbers, without a uniqueness error.
    """

    order = forms.IntegerField(
        label="position",
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "position-input"}),  # newsroom/desk.css
        help_text="Leave empty to add at the end.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault(ORDER_FIELD, self.instance.position)


class CitationForm(OrderedInlineForm):
    """One row of an item's numbered source list, entered by pasting the document's link."""

    url = forms.CharField(
        label="URL",
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "size": 60}),
        help_text="Paste the link; the source and its publisher are found or created.",
    )

    class Meta:
        model = Citation
        fields = ["url", "role", "quote", "note"]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "note": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.source_id is not None:
            self.initial.setdefault("url", self.instance.source.url)

    def clean_url(self) -> str:
        """The normalized URL; normalize_url's message is shown on the row when it refuses."""
        url = normalize_url(self.cleaned_data["url"])
        limit = Source._meta.get_field("url").max_length
        if len(url) > limit:
            raise ValidationError(
                "This link is longer than %(limit)s characters once normalized.",
                code="max_length",
                params={"limit": limit},
            )
        return url

    def save(self, commit: bool = True):
        # Only now, with every form valid, is the source created: an invalid page creates nothing.
        if self.instance.source_id is None or self.instance.source.url != self.cleaned_data["url"]:
            self.instance.source, _ = Source.objects.for_url(self.cleaned_data["url"])
        return super().save(commit=commit)


class CitationFormSet(OrderedInlineFormSet):
    """Citations of one item: refuses the same source twice in the same role."""

    def clean(self) -> None:
        super().clean()
        seen: set[tuple[str, str]] = set()
        duplicates = []
        for form in self._kept_forms():
            url, role = form.cleaned_data.get("url"), form.cleaned_data.get("role")
            if not url or not role:
                continue
            if (url, role) in seen:
                form.add_error(
                    "url",
                    f"This source is already cited as “{Citation.Role(role).label}” above. "
                    "Remove one of the two rows, or give them different roles.",
                )
                duplicates.append(url)
            seen.add((url, role))
        if duplicates:
            raise ValidationError(
                "The same source is cited twice with the same role: %(urls)s.",
                code="duplicate_citation",
                params={"urls": ", ".join(duplicates)},
            )
