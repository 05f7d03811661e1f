"""Make the missing image renditions of every item (after a bulk import, or a new width)."""

from django.apps import apps
from django.core.management.base import BaseCommand

from newsroom.renditions import image_fields, make_renditions


class Command(BaseCommand):
    help = "Make the WebP and JPEG renditions of every uploaded image that lacks them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite", action="store_true", help="Make them again even where they exist."
        )

    def handle(self, *args, overwrite: bool = False, **options):
        made = failed = 0
        for model in apps.get_models():
            for field in image_fields(model):
                rows = model._default_manager.exclude(**{field.name: ""}).only(
                    "pk", field.name, *([field.width_field] if field.width_field else [])
                )
                for instance in rows.iterator(chunk_size=500):
                    file = getattr(instance, field.attname)
                    width = getattr(instance, field.width_field) if field.width_field else None
                    try:
                        made += len(
                            make_renditions(file, original_width=width, overwrite=overwrite)
                        )
                    except Exception as error:  # report and go on with the others
                        failed += 1
                        self.stderr.write(f"{model._meta.label} {instance.pk}: {error}")
        self.stdout.write(f"{made} renditions made, {failed} images could not be read.")
