"""Drives Python's zeep SOAP client against our WSDL, offline, for the Rust test `zeep.rs`.

usage: zeep_roundtrip.py WSDL REQUESTS_JSON RESPONSES_DIR OUT_DIR

* For every operation in REQUESTS_JSON ({op: {"kwargs": {...}}}), zeep builds the request from the
  WSDL and the arguments; the envelope and the SOAPAction zeep would send are written to
  OUT_DIR/<op>.request.xml and OUT_DIR/<op>.action.
* For every RESPONSES_DIR/<op>.xml (written by our writer), zeep parses it as the reply of <op>;
  the values it finds are written as JSON to OUT_DIR/<op>.response.json.
"""

import json
import pathlib
import sys

import zeep
from lxml import etree
from zeep.helpers import serialize_object


class Reply:
    """The part of requests.Response that zeep's reply processing reads."""

    def __init__(self, content):
        self.status_code = 200
        self.content = content
        self.headers = {"Content-Type": "text/xml; charset=utf-8"}
        self.encoding = "utf-8"


def plain(value):
    """zeep's objects as JSON-able values."""
    value = serialize_object(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def main():
    wsdl, requests_json, responses_dir, out_dir = sys.argv[1:5]
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    client = zeep.Client(wsdl)
    binding = client.service._binding

    for op, args in json.loads(pathlib.Path(requests_json).read_text()).items():
        envelope = client.create_message(client.service, op, **args["kwargs"])
        (out / f"{op}.request.xml").write_bytes(etree.tostring(envelope, encoding="utf-8"))
        (out / f"{op}.action").write_text(binding.get(op).soapaction)

    for path in sorted(pathlib.Path(responses_dir).glob("*.xml")):
        op = path.stem
        result = binding.process_reply(client, binding.get(op), Reply(path.read_bytes()))
        (out / f"{op}.response.json").write_text(json.dumps(plain(result), ensure_ascii=False))


if __name__ == "__main__":
    main()
