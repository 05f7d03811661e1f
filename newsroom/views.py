"""Readers' pages of the newsroom: the front page, stories, sections and topics.

Every queryset starts from `published()`, the one definition of what a reader may see, and
names the relations its template shows (select_related / prefetch_related), so that a page
costs the same number of queries however many bylines, citations or entities it carries.

Pages that bring events and stories together (front page, topics, publishers) live in
`events`, the app that may import from both.
"""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DateDetailView, ListView

from .converters import day_or_404
from .models import Author, Section, Story, StoryAuthor, StoryCitation
from .structured_data import author_profile, story_article


def bylines() -> Prefetch:
    return Prefetch("bylines", queryset=StoryAuthor.objects.select_related("author"))


def story_cards(stories: QuerySet) -> QuerySet:
    """Stories as lists show them: section and bylines in order, loaded up front."""
    return stories.select_related("section").prefetch_related(bylines())


def split_citations(citations) -> tuple[list, list]:
    """(numbered sources, image credits): image credits are listed apart, not numbered."""
    sources, credits = [], []
    for citation in citations:
        is_credit = citation.role == StoryCitation.Role.IMAGE_CREDIT
        (credits if is_credit else sources).append(citation)
    return sources, credits


class StoryDetailView(DateDetailView):
    """One story at the date it went live (local time). Wrong date: redirect to the right one."""

    page_cache = True

    model = Story
    date_field = "publish_at"
    month_format = "%m"
    # Visibility is published()'s job alone; the view adds no rule of its own about the future.
    allow_future = True
    context_object_name = "story"

    def get_queryset(self) -> QuerySet:
        return (
            Story.objects.published()
            .select_related("section", "dateline")
            .prefetch_related(
                bylines(),
                Prefetch(
                    "citations", queryset=StoryCitation.objects.select_related("source__publisher")
                ),
                "entities",
                Prefetch(
                    "related_stories",
                    queryset=Story.objects.published().select_related("section"),
                ),
                "corrections",
            )
        )

    def get(self, request, *args, **kwargs):
        day_or_404(kwargs["year"], kwargs["month"], kwargs["day"])  # no redirect from 30 Feb
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            story = Story.objects.published().filter(slug=kwargs["slug"]).first()
            if story is None:
                raise
            return redirect(story, permanent=True)

    def get_context_data(self, **kwargs):
        sources, image_credits = split_citations(self.object.citations.all())
        return super().get_context_data(
            sources=sources,
            image_credits=image_credits,
            article=story_article(self.object, request=self.request),
            **kwargs,
        )


class SectionDetailView(ListView):
    """A section's published stories, newest first."""

    page_cache = True

    template_name = "newsroom/section_detail.html"
    paginate_by = 20
    context_object_name = "stories"

    def get_queryset(self) -> QuerySet:
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return story_cards(Story.objects.published().filter(section=self.section))

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class AuthorDetailView(ListView):
    """An author's bio and published stories, newest first.

    An author with no published story has no page (404), like a publisher nothing published
    cites: an author added with a draft reaches readers only with a story an editor published.
    """

    page_cache = True

    template_name = "newsroom/author_detail.html"
    paginate_by = 20
    context_object_name = "stories"

    def get_queryset(self) -> QuerySet:
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return story_cards(self.author.published_stories()).order_by("-publish_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            author=self.author,
            profile=author_profile(self.author, request=self.request),
            **kwargs,
        )
        # The paginator's count, already made: not `allow_empty = False`, which asks again.
        if not context["paginator"].count:
            raise Http404("No published story carries this author's byline.")
        return context
