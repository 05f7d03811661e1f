"""Test-only overrides: fast password hashing, static files without a manifest, temp media."""

import os
import tempfile

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The first request of the test process would check for cut-off imports inside whatever test
# it belongs to (and count in its queries); the test of that check turns it on for its server.
os.environ.setdefault("NEWSROOM_IMPORT_CHECK_ON_START", "0")
# The production cache (files shared by every process), in a folder of the test run's own; in
# the environment, so that servers the tests start (tests/live.py) share it.
os.environ.setdefault("CACHE_URL", "file://" + tempfile.mkdtemp(prefix="newsroom-test-cache-"))

from newsroom.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="newsroom-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = tempfile.mkdtemp(prefix="newsroom-test-static-")
SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP; tests/test_security.py turns it on
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: servers the tests start (tests/live.py) read the same database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="newsroom-test-db-"), "test.sqlite3")
    }
