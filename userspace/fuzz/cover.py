#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cover.py BIN PROFDATA: the coverage of teredod's functions (userspace/
teredod/*.c) in a fuzzer built by "make cover": for each, the calls, and
the code regions run out of all. (llvm-cov report -show-functions of
LLVM 14 does not take the list of sources it needs.)"""

import json
import subprocess
import sys

out = subprocess.run(["llvm-cov", "export", "-instr-profile", sys.argv[2],
                      sys.argv[1]], check=True, capture_output=True).stdout
regions = run = 0
for f in json.loads(out)["data"][0]["functions"]:
    path = f["filenames"][0]
    if "/teredod/" not in path or not path.endswith(".c"):
        continue
    name = f["name"].split(":")[-1]
    total = len(f["regions"])
    hit = sum(1 for r in f["regions"] if r[4] > 0)
    regions += total
    run += hit
    print("%-24s %-14s %10d calls %4d/%-4d regions" %
          (name, path.split("/")[-1], f["count"], hit, total))
print("# %d/%d regions of teredod's code run" % (run, regions))
