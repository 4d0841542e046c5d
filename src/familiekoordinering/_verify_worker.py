"""The worker process that verifies the later half of a large store's log.

Run by :class:`familiekoordinering.verification.Integrity` as
``python -I -m familiekoordinering._verify_worker``: it reads the store's
opener, a verifier and the first notification id of its half (pickled) from
standard input, and writes the fed verifier (pickled) to standard output.
Not imported by the package, so that running it imports nothing twice.
"""

from __future__ import annotations

import pickle
import sys

from familiekoordinering.verification import verify_part

if __name__ == "__main__":
    opener, part, start = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps(verify_part(opener, part, start)))
