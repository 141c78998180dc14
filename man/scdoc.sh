#!/bin/sh
# Builds a man page: scdoc.sh SCDOC INPUT OUTPUT
#
# scdoc refuses '@' in a page's name, which template units have
# (arca-relay@.service), so the title line is set from OUTPUT's file name.
# A page scdoc fails on fails the build: its output up to the error would
# be a page cut short.
set -eu
scdoc=$1 in=$2 out=$3
name=$(basename "$out")
name=${name%.*}
"$scdoc" <"$in" >"$out.raw"
sed "s|^\.TH \"[^\"]*\"|.TH \"$name\"|" "$out.raw" >"$out.tmp"
rm -f "$out.raw"
mv "$out.tmp" "$out"
