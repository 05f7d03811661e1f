"""Factories for every model; tests build exactly the data they talk about."""

import datetime as dt
import io

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from events.models import Category, Event, EventCitation, RelatedEvent
from newsroom.models import Author, Correction, Entity, Section, Status, Story, StoryCitation
from sources.models import Publisher, PublisherDomain, Source


def image_file(name: str = "photo.png", size: tuple[int, int] = (64, 48), fmt: str = "PNG"):
    """A real, small image file as an upload."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get(name=name) for name in extracted))


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Publisher {n}")
    homepage = factory.LazyAttribute(lambda p: f"https://{slugify(p.name)}.example/")
    kind = Publisher.Kind.NEWSPAPER


class PublisherDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublisherDomain

    publisher = factory.SubFactory(PublisherFactory)
    domain = factory.Sequence(lambda n: f"outlet{n}.example")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news{n % 7}.example/articles/{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = factory.SubFactory(PublisherFactory)


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Entity {n}")
    kind = Entity.Kind.PERSON


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Reporter {n}")
    slug = factory.Sequence(lambda n: f"reporter-{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class PublishableFactory(factory.django.DjangoModelFactory):
    """Draft by default; `published=True` makes it visible an hour ago."""

    class Meta:
        abstract = True

    class Params:
        published = factory.Trait(
            status=Status.PUBLISHED,
            publish_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1)),
            first_published_at=factory.SelfAttribute("publish_at"),
            last_published_at=factory.SelfAttribute("publish_at"),
        )

    status = Status.DRAFT


class StoryFactory(PublishableFactory):
    class Meta:
        model = Story

    headline = factory.Sequence(lambda n: f"Story number {n} about the day's news")
    dek = "What happened, and why it matters."
    body = "First paragraph.\n\n## A subheading\n\nSecond paragraph."
    section = factory.SubFactory(SectionFactory)


class EventFactory(PublishableFactory):
    class Meta:
        model = Event

    date = dt.date(2010, 4, 7)
    headline = factory.Sequence(lambda n: f"Event number {n} happens in the capital")
    summary = "Crowds gathered in the main square."
    category = factory.SubFactory(CategoryFactory)


class EventCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventCitation

    item = factory.SubFactory(EventFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.Sequence(lambda n: n + 1)


class StoryCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoryCitation

    item = factory.SubFactory(StoryFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.Sequence(lambda n: n + 1)


class RelatedEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedEvent

    from_event = factory.SubFactory(EventFactory)
    to_event = factory.SubFactory(EventFactory)
    position = factory.Sequence(lambda n: n + 1)


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    story = factory.SubFactory(StoryFactory, published=True)
    text = "An earlier version gave the wrong date for the vote."


def invisible_states(now: dt.datetime) -> list:
    """Every way an item can be invisible to readers at `now`, as factory keyword arguments."""
    return [
        pytest.param({"status": Status.DRAFT}, id="draft"),
        pytest.param({"status": Status.IN_REVIEW}, id="in_review"),
        pytest.param(
            {"status": Status.UNPUBLISHED, "publish_at": now - dt.timedelta(days=1)},
            id="unpublished",
        ),
        pytest.param(
            {"status": Status.PUBLISHED, "publish_at": now + dt.timedelta(days=1)},
            id="scheduled",
        ),
    ]
