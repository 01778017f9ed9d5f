"""The S3_* settings (repository/settings.py, repository/storage.py): the local disk unless
S3_BUCKET is set; then the object store, its presigned URLs' lifetime and the origins the
Content-Security-Policy allows; a bad value stops the start naming it. `manage.py prepare_bucket`
puts the viewer's CORS rule on the bucket."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from repository.storage import CORS_RULE
from tests.repository.test_settings import run_python

S3 = {"DEBUG": "true", "S3_BUCKET": "teaching-files"}
SHOW = (
    "import json, repository.settings as s; d = s.STORAGES['default']; "
    "print(json.dumps([d['BACKEND'], d.get('OPTIONS', {}), s.CONTENT_SECURITY_POLICY"
    "['DIRECTIVES']['connect-src']]))"
)


def started_with(**env):
    result = run_python("-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_media_stay_on_the_local_disk_without_a_bucket():
    backend, options, connect = started_with(DEBUG="true")
    assert backend == "django.core.files.storage.FileSystemStorage" and options == {}
    assert connect == ["'self'"]


def test_a_bucket_puts_media_on_the_object_store_with_short_lived_urls():
    backend, options, connect = started_with(
        **S3, S3_ENDPOINT_URL="https://objects.example.org:9000", S3_REGION="eu-west-1",
        S3_ACCESS_KEY_ID="key", S3_SECRET_ACCESS_KEY="secret", S3_PREFIX="/cases/",
    )
    assert backend == "repository.storage.ObjectStore"
    assert options["bucket_name"] == "teaching-files"
    assert options["querystring_expire"] == 60
    assert options["location"] == "cases"
    assert options["addressing_style"] == "path"
    assert options["default_acl"] is None
    assert connect == ["'self'", "https://objects.example.org:9000"]


def test_on_aws_the_policy_allows_the_bucket_s_own_names():
    _, options, connect = started_with(**S3, S3_REGION="eu-west-1", S3_URL_SECONDS="30")
    assert options["endpoint_url"] is None and options["access_key"] is None
    assert options["querystring_expire"] == 30
    assert connect[1:] == [
        "https://teaching-files.s3.amazonaws.com",
        "https://teaching-files.s3.eu-west-1.amazonaws.com",
        "https://s3.eu-west-1.amazonaws.com",
    ]


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"S3_URL_SECONDS": "1"}, "S3_URL_SECONDS"),
        ({"S3_URL_SECONDS": "604801"}, "S3_URL_SECONDS"),
        ({"S3_URL_SECONDS": "soon"}, "S3_URL_SECONDS"),
        ({"S3_ENDPOINT_URL": "objects.example.org"}, "S3_ENDPOINT_URL"),
    ],
)
def test_a_bad_object_store_setting_stops_the_start_naming_it(env, variable):
    result = run_python("-c", "import repository.settings", **S3, **env)
    assert result.returncode != 0
    assert f"{variable}:" in result.stderr


def test_prepare_bucket_puts_the_viewer_s_cors_rule_on_the_bucket(s3_bucket):
    client = default_storage.connection.meta.client
    client.delete_bucket_cors(Bucket=s3_bucket)
    call_command("prepare_bucket")
    rules = client.get_bucket_cors(Bucket=s3_bucket)["CORSRules"]
    assert [{k: v for k, v in rule.items() if k != "ID"} for rule in rules] == [CORS_RULE]


def test_prepare_bucket_makes_a_missing_bucket_when_told(s3_bucket, settings):
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {**settings.STORAGES, "default": {
        **settings.STORAGES["default"], "OPTIONS": {**options, "bucket_name": f"{s3_bucket}-new"},
    }}  # fmt: skip
    with pytest.raises(CommandError, match="refused"):
        call_command("prepare_bucket")
    call_command("prepare_bucket", create=True)
    assert default_storage.bucket_exists()


def test_prepare_bucket_refuses_on_the_local_disk(db):
    with pytest.raises(CommandError, match="S3_BUCKET"):
        call_command("prepare_bucket")
