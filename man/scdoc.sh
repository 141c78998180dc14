#!/bin/sh
# Builds a man page: scdoc.sh SCDOC INPUT OUTPUT
#
# scdoc refuses '@' in a page's name, which template units have
# (arca-relay@.service), so the title line is set from OUTPUT's file name.
set -eu
scdoc=$1 in=$2 out=$3
name=$(basename "$out")
name=${name%.*}
"$scdoc" <"$in" | sed "s|^\.TH \"[^\"]*\"|.TH \"$name\"|" >"$out.tmp"
mv "$out.tmp" "$out"
