#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print Python's reading of MIME messages as JSON, for tst_mime_conformance.

Usage: python_mime_tree.py FILE...

Prints one JSON object mapping each FILE's base name to
  {"subject": str or null, "root": PART}
where PART is
  {"contentType": "type/subtype", "charset": str or null, "filename": str or null,
   "defects": [defect class names], "children": [PART...]}

The parser is the standard library's email package with policy=email.policy.default, an
implementation independent of GMime. "defects" holds the part's own defects and, prefixed with
"Content-Type:", those of its Content-Type header (the only header whose defects concern the
tree). Children are the payload list of a part whose payload is a list: the subparts of a
multipart, the message inside message/rfc822, the field blocks of message/delivery-status.
"""

import email
import email.policy
import json
import os
import sys


def part_tree(part):
    defects = [type(d).__name__ for d in part.defects]
    content_type = part.get("content-type")
    if content_type is not None:
        defects += ["Content-Type:" + type(d).__name__
                    for d in getattr(content_type, "defects", ())]
    children = []
    if part.is_multipart():
        children = [part_tree(child) for child in part.get_payload()]
    return {
        "contentType": part.get_content_type(),
        "charset": part.get_content_charset(),
        "filename": part.get_filename(),
        "defects": defects,
        "children": children,
    }


def main(paths):
    result = {}
    for path in paths:
        with open(path, "rb") as handle:
            message = email.message_from_bytes(handle.read(), policy=email.policy.default)
        subject = message.get("subject")
        result[os.path.basename(path)] = {
            "subject": None if subject is None else str(subject),
            "root": part_tree(message),
        }
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
