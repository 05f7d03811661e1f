"""The desk's roles, as Django groups with model permissions.

Each app's data migration calls `grant()` for its own models, so the groups follow the app
dependency direction. Publishing permissions are added with the editorial workflow.

Journalists may add sources, publishers and entities, and change them while no live page shows
them; changing one that readers see takes `change_live_<model>`, which only editors hold (see
`sources.models.SharedRecord`).
"""

JOURNALIST = "Journalist"
EDITOR = "Editor"
ALL = ("add", "change", "delete", "view")
WRITE = ("add", "change", "view")
#: Changing or deleting a shared record that live pages show (editors).
CHANGE_LIVE = ("change_live",)


def grant(apps, app_label: str, spec: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Give each group in `spec` the listed actions on `app_label`'s models.

    `spec` maps a group name to {model name: actions}; groups are created when missing.
    Runs inside a data migration, so permissions are created first if they don't exist yet.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # create_permissions skips apps without models
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in spec.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"Unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*permissions)
