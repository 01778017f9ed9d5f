"""Media on S3-compatible object storage (S3_BUCKET, README "Object storage"): django-storages'
S3 backend, with what this site needs of it.

- Each object is written with the headers it must be served with: the viewer's stored values
  (viewer/ingest.py's `pixels.bin`, a gzip blob of dicom.pixelstore) carry
  `Content-Encoding: gzip`, so the browser inflates them as it does when the app sends them.
- `presigned_url()` is what a reader is redirected to after the access check: a GET of one object
  for S3_URL_SECONDS, with the response headers asked for in its signature.
- Storage clients are made again in a forked process (viewer/processes.py stages uploads in
  forked workers): a connection pool inherited across fork() would share its sockets with the
  parent and with every sibling.

Imported only when S3_BUCKET is set: django-storages and boto3 are the optional extra "s3".
"""

import os
import threading
import weakref
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# The viewer's worker fetch()es stored values from this site, which redirects it to the bucket:
# a cross-origin read, which the bucket must allow. Any origin, because after a redirect to
# another origin the browser sends `Origin: null` (the fetch standard's tainted origin), which
# naming the site's own origin would not match; the presigned URL itself is the secret, and no
# cookie is ever sent to the bucket.
CORS_RULE = {
    "AllowedMethods": ["GET", "HEAD"],
    "AllowedOrigins": ["*"],
    "AllowedHeaders": ["*"],
    "MaxAgeSeconds": 3600,
}
GZIPPED_SUFFIX = "/pixels.bin"  # viewer/ingest.py names each frame's stored values so
STORED_VALUES_TYPE = "application/octet-stream"


class ObjectStore(S3Storage):
    def __init__(self, **options):
        super().__init__(**options)
        mine = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forget_connections(mine()))

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        if name.endswith(GZIPPED_SUFFIX):
            parameters.update(ContentEncoding="gzip", ContentType=STORED_VALUES_TYPE)
        return parameters

    def walk(self, folder):
        """(name, time last modified) of every object under folder, listed flat: a request per
        thousand names, where listdir() would make one per folder (one per image)."""
        prefix = self._normalize_name(clean_name(folder)).rstrip("/") + "/"
        skip = len(self.location) + 1 if self.location else 0
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=prefix
        )
        for page in pages:
            for entry in page.get("Contents", ()):
                yield entry["Key"][skip:], entry["LastModified"]

    def download(self, name, path):
        """The object `name` written to the local file `path`, streamed in parts."""
        self.bucket.Object(self._normalize_name(clean_name(name))).download_file(str(path))

    def delete_folder(self, folder):
        """Every object under folder deleted, a thousand per request."""
        names = [name for name, _ in self.walk(folder)]
        client = self.connection.meta.client
        for start in range(0, len(names), 1000):
            keys = [{"Key": self._normalize_name(clean_name(name))}
                    for name in names[start:start + 1000]]  # fmt: skip
            client.delete_objects(Bucket=self.bucket_name, Delete={"Objects": keys, "Quiet": True})
        return len(names)

    def presigned_url(self, name, **response_headers):
        """A URL that GETs the object `name` for querystring_expire seconds, answered with the
        given response headers (ResponseContentType=..., ResponseContentDisposition=...)."""
        return self.url(name, parameters=response_headers)

    def prepare_bucket(self, create=False):
        """Make the bucket if it is missing (when asked: it needs the right to), then put on it
        the CORS rule the viewer needs (CORS_RULE); returns whether the bucket was made."""
        client = self.connection.meta.client
        made = False
        if create and not self.bucket_exists():
            region = client.meta.region_name
            where = {} if region in (None, "us-east-1") else {
                "CreateBucketConfiguration": {"LocationConstraint": region}
            }
            client.create_bucket(Bucket=self.bucket_name, **where)
            made = True
        rules = {"CORSRules": [CORS_RULE]}
        client.put_bucket_cors(Bucket=self.bucket_name, CORSConfiguration=rules)
        return made

    def bucket_exists(self):
        try:
            self.connection.meta.client.head_bucket(Bucket=self.bucket_name)
        except ClientError as e:
            if e.response["ResponseMetadata"]["HTTPStatusCode"] in (403, 404):
                return False
            raise
        return True


def _forget_connections(storage):
    if storage is not None:
        storage._connections = threading.local()
        storage._unsigned_connections = threading.local()
        storage._bucket = None


def options(*, bucket, endpoint_url, region, access_key, secret_key, url_seconds, prefix):
    """The ObjectStore's options from the S3_* settings (repository/settings.py)."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,  # empty: AWS, the region's own endpoint
        "region_name": region or None,
        # Empty: boto3's own chain (an instance role, AWS_* variables, ~/.aws).
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "querystring_auth": True,
        "querystring_expire": url_seconds,
        "location": prefix.strip("/"),
        "signature_version": "s3v4",
        # Other S3 APIs (MinIO, Ceph, moto) serve buckets under the endpoint's path.
        "addressing_style": "path" if endpoint_url else None,
        # Like the local disk: a name taken gets another (a HEAD per save), never overwritten.
        "file_overwrite": False,
        "default_acl": None,  # the bucket stays private; readers get presigned URLs only
    }


def origins(bucket, endpoint_url, region):
    """The origins presigned URLs point to, which the Content-Security-Policy must allow: the
    endpoint's (path-style), or AWS's names of the bucket: virtual-hosted, global and regional,
    and the regional endpoint, which names a bucket with dots in its path."""
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(
                f"S3_ENDPOINT_URL: expected http(s)://host[:port], got {endpoint_url!r}"
            )
        return [f"{parts.scheme}://{parts.netloc}"]
    names = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        names += [f"https://{bucket}.s3.{region}.amazonaws.com", f"https://s3.{region}.amazonaws.com"]
    return names
