#!/usr/bin/env bash
# Pages of an index brought into the page cache by opening it and doing one
# lookup: evict the file (posix_fadvise DONTNEED), run `zidx get`, count the
# file's resident pages with fincore (util-linux).
# Usage: scripts/open_pages.sh INDEX PRESENT_KEY [ZIDX]
set -euo pipefail
INDEX=$1
KEY=$2
Z=${3:-target/release/zidx}
evict() { python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$1"; }
pages() { fincore --noheadings --output PAGES "$INDEX" | tr -d ' '; }
evict "$INDEX"
echo "file: $(( $(stat -c %s "$INDEX") / 4096 )) pages; resident after eviction: $(pages)"
"$Z" get "$INDEX" "zidx-open-pages-probe-absent-key" >/dev/null 2>&1 || true
echo "open + 1 absent key:  $(pages) pages resident"
evict "$INDEX"
"$Z" get "$INDEX" "$KEY" >/dev/null
echo "open + 1 present key: $(pages) pages resident"
