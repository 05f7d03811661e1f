"""schema.org NewsArticle JSON-LD and Open Graph tags for readers' pages.

Built from data the page has already loaded (no query of its own). `article()` states the
shape once; `story_article()` fills it for a story, and the events app fills it for an event.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from .models import Author, Story
from .renditions import shared_image

HEADLINE_LIMIT = 110  # what search engines show of `headline`
DESCRIPTION_LIMIT = 300  # of a profile's description: the first lines of a bio


@dataclass
class ArticleImage:
    url: str
    width: int | None
    height: int | None
    alt: str = ""
    caption: str = ""
    credit: str = ""


@dataclass
class Article:
    """What the JSON-LD and the Open Graph tags of one page say."""

    url: str
    headline: str
    description: str
    published: datetime | None
    modified: datetime | None
    authors: list[str] = field(default_factory=list)
    image: ArticleImage | None = None
    dateline: str = ""
    section: str = ""
    keywords: list[str] = field(default_factory=list)
    corrections: list[tuple[datetime, str]] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)

    def json_ld(self) -> dict:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": self.url},
            "url": self.url,
            "headline": truncate(self.headline, HEADLINE_LIMIT),
            "description": self.description,
            "datePublished": iso(self.published),
            "dateModified": iso(self.modified or self.published),
            "publisher": {"@type": "NewsMediaOrganization", "name": settings.SITE_NAME},
            "isAccessibleForFree": True,
            "inLanguage": "en",
        }
        if self.authors:
            data["author"] = [{"@type": "Person", "name": name} for name in self.authors]
        else:
            data["author"] = [{"@type": "Organization", "name": settings.SITE_NAME}]
        if self.image:
            image = {
                "@type": "ImageObject",
                "url": self.image.url,
                "contentUrl": self.image.url,
            }
            if self.image.width and self.image.height:
                image |= {"width": self.image.width, "height": self.image.height}
            if self.image.caption or self.image.alt:
                image["caption"] = self.image.caption or self.image.alt
            if self.image.credit:
                image["creditText"] = self.image.credit
            data["image"] = [image]
        if self.dateline:
            data["dateline"] = self.dateline
            data["locationCreated"] = {"@type": "Place", "name": self.dateline}
        if self.section:
            data["articleSection"] = self.section
        if self.keywords:
            data["keywords"] = self.keywords
        if self.corrections:
            data["correction"] = [
                {"@type": "CorrectionComment", "datePublished": iso(when), "text": text}
                for when, text in self.corrections
            ]
        if self.citations:
            data["citation"] = self.citations
        return data

    def open_graph(self) -> list[tuple[str, str]]:
        """(property, content) pairs for <meta property=… content=…>."""
        tags = [
            ("og:type", "article"),
            ("og:site_name", settings.SITE_NAME),
            ("og:locale", "en_GB"),
            ("og:url", self.url),
            ("og:title", self.headline),
            ("og:description", self.description),
        ]
        if self.image:
            tags.append(("og:image", self.image.url))
            if self.image.width and self.image.height:
                tags += [
                    ("og:image:width", str(self.image.width)),
                    ("og:image:height", str(self.image.height)),
                ]
            if self.image.alt:
                tags.append(("og:image:alt", self.image.alt))
        tags.append(("article:published_time", iso(self.published)))
        tags.append(("article:modified_time", iso(self.modified or self.published)))
        if self.section:
            tags.append(("article:section", self.section))
        tags += [("article:tag", keyword) for keyword in self.keywords]
        return tags

    def json_ld_script(self) -> SafeString:
        return json_script(self.json_ld())


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_script(data: dict) -> SafeString:
    """A <script type="application/ld+json"> whose content cannot end the script element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def latest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment]
    return max(present) if present else None


def article_image(file, width: int | None, height: int | None, *, request, **text) -> ArticleImage:
    """The picture other sites are given: a rendition (re-encoded, no metadata), not the
    uploaded original."""
    url, width, height = shared_image(file, width, height)
    return ArticleImage(url=request.build_absolute_uri(url), width=width, height=height, **text)


def story_article(story: Story, *, request: HttpRequest) -> Article:
    """A story's article data, from what StoryDetailView prefetched."""
    corrections = [(c.published_at, c.text) for c in story.corrections.all()]
    image = None
    if story.lead_image:
        image = article_image(
            story.lead_image,
            story.lead_image_width,
            story.lead_image_height,
            request=request,
            alt=story.lead_image_alt,
            caption=story.lead_image_caption,
            credit=story.lead_image_credit,
        )
    return Article(
        url=request.build_absolute_uri(story.get_absolute_url()),
        headline=story.headline,
        description=story.dek or strip_tags(story.body_html)[:300].strip(),
        published=story.first_published_at or story.publish_at,
        modified=latest(
            story.publish_at, story.last_published_at, *(when for when, _ in corrections)
        ),
        authors=[byline.author.name for byline in story.bylines.all()],
        image=image,
        dateline=story.dateline.name if story.dateline else "",
        section=story.section.name if story.section else "",
        keywords=[entity.name for entity in story.entities.all()],
        corrections=corrections,
        citations=[citation.source.url for citation in story.citations.all()],
    )


def author_profile(author: Author, *, request: HttpRequest) -> SafeString:
    """schema.org ProfilePage JSON-LD of an author's page, its main entity the Person."""
    url = request.build_absolute_uri(author.get_absolute_url())
    person = {"@type": "Person", "name": author.name, "url": url}
    if author.role:
        person["jobTitle"] = author.role
    if author.bio:
        person["description"] = truncate(strip_tags(author.bio_html).strip(), DESCRIPTION_LIMIT)
    person["worksFor"] = {"@type": "NewsMediaOrganization", "name": settings.SITE_NAME}
    return json_script(
        {"@context": "https://schema.org", "@type": "ProfilePage", "url": url, "mainEntity": person}
    )
