"""STOW-RS requests built in code, for the tests' own client and for dicomweb-client."""

from io import BytesIO

import pydicom

BOUNDARY = "a-boundary-of-the-tests"
CONTENT_TYPE = f'multipart/related; type="application/dicom"; boundary="{BOUNDARY}"'


def multipart(files, boundary=BOUNDARY, content_type="application/dicom"):
    body = b""
    for data in files:
        body += f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def post(client, files, token=None, url="/dicomweb/studies", **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = kwargs.pop("body", None) or multipart(files)
    content_type = kwargs.pop("content_type", CONTENT_TYPE)
    return client.post(url, data=body, content_type=content_type, headers=headers, **kwargs)


def referenced(response):
    return [item["00081155"]["Value"][0]
            for item in response.json().get("00081199", {}).get("Value", [])]  # fmt: skip


def failed(response):
    return {item.get("00081155", {}).get("Value", [""])[0]: item["00081197"]["Value"][0]
            for item in response.json().get("00081198", {}).get("Value", [])}  # fmt: skip


def uid_of(data):
    return str(pydicom.dcmread(BytesIO(data), stop_before_pixels=True)
               .SOPInstanceUID)  # fmt: skip
