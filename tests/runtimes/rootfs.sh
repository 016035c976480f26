# shellcheck shell=bash
# Sourced by docker.sh and containerd.sh: assembles the test image's root filesystem from the host's
# own binaries, so the image needs no registry (the machines reach none). Not run on its own.

# What the image holds. /bin/sh is dash (Debian's busybox-static sh runs applets in-process, so
# rules watching execve would not see them). The optional ones only when the host has them.
VIGIL_ROOTFS_BINARIES=(sh dash bash cat ls sleep cp mv rm mkdir chmod chown ln touch id env head
                       tail wc grep sed stat readlink uname true false)
VIGIL_ROOTFS_OPTIONAL=(dpkg dpkg-query mount umount)

# vigil_rootfs_build DEST: fills DEST with the binaries above, the shared libraries ldd names for
# them (the loader included) and a minimal /etc. Paths keep the host's layout (merged /usr on
# Debian 12: bin -> usr/bin ...) so the paths the loader and ldd resolved stay valid inside.
vigil_rootfs_build() {
  local dest=$1 d name path dir files=()
  # The host's PATH may put /usr/local or tool folders first; the image wants the system's binaries.
  local syspath=/usr/sbin:/usr/bin:/sbin:/bin
  mkdir -p "$dest"
  for d in bin sbin lib lib64; do
    if [[ -L /$d ]]; then ln -sfn "$(readlink "/$d")" "$dest/$d"; mkdir -p "$dest/$(readlink -f "/$d")"; fi
  done
  for name in "${VIGIL_ROOTFS_BINARIES[@]}" "${VIGIL_ROOTFS_OPTIONAL[@]}"; do
    if ! path=$(PATH=$syspath type -P "$name"); then
      [[ " ${VIGIL_ROOTFS_OPTIONAL[*]} " == *" $name "* ]] && continue
      echo "rootfs: $name not found on this host" >&2; return 1
    fi
    files+=("$path")
    # ldd prints "name => /path (addr)", or "/path (addr)" for the loader; the vdso has no path.
    mapfile -t -O "${#files[@]}" files < <(ldd "$path" 2>/dev/null | grep -o '/[^ ]*')
  done
  for path in "${files[@]}"; do
    dir=$(readlink -f "$(dirname "$path")")
    mkdir -p "$dest$dir"
    [[ -e $dest$dir/${path##*/} || -L $dest$dir/${path##*/} ]] && continue
    if [[ ${path##*/} == sh && -L $path ]]; then
      ln -s "$(readlink "$path")" "$dest$dir/sh"    # keep sh -> dash, as on the host
    else
      cp -L "$path" "$dest$dir/${path##*/}"         # libraries under the name ldd gave (the soname)
    fi
  done
  mkdir -p "$dest"/{etc,root,tmp,proc,sys,dev,var/lib/dpkg/info,var/lib/dpkg/updates}
  chmod 1777 "$dest/tmp"; chmod 700 "$dest/root"
  : >"$dest/var/lib/dpkg/status"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dest/etc/passwd"
  printf 'root:x:0:\nshadow:x:42:\nnogroup:x:65534:\n' >"$dest/etc/group"
  # /etc/shadow is what the sensitive-file rules watch; root:shadow 0640 as on Debian.
  printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$dest/etc/shadow"
  chgrp 42 "$dest/etc/shadow"; chmod 640 "$dest/etc/shadow"
}

# vigil_rootfs_tar ROOTFS OUT: a reproducible tar of ROOTFS (the same bytes for the same files, so
# the OCI layer's digest changes only when the host's binaries do).
vigil_rootfs_tar() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .
}
