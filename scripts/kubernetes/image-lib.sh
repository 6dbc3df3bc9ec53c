# Sourced by scripts/kubernetes/up.sh and task-image.sh: container images made on this machine,
# without a registry or a Docker engine, in the `docker save` layout that
# `ctr images import` takes (manifest.json + an image config + one tar per layer).

# docker_archive OUT TAG CONFIG-JSON LAYER.tar...: writes the archive OUT for image TAG whose
# runtime config (Entrypoint, Env, WorkingDir, ...) is CONFIG-JSON, with the given layers in order.
docker_archive() {
  local out=$1 tag=$2 config=$3 stage layer i=0 diff_ids=() layers=() sha cfg
  shift 3
  stage=$(mktemp -d "${out}.stage.XXXXXX")
  for layer in "$@"; do
    sha=$(sha256sum "$layer" | cut -d' ' -f1)
    mkdir -p "$stage/$sha"
    ln "$layer" "$stage/$sha/layer.tar" 2>/dev/null || cp "$layer" "$stage/$sha/layer.tar"
    diff_ids+=("sha256:$sha")
    layers+=("$sha/layer.tar")
    i=$((i + 1))
  done
  cfg=$(jq -cn --argjson config "$config" --args '{architecture: "amd64", os: "linux", config: $config,
    rootfs: {type: "layers", diff_ids: $ARGS.positional}, history: []}' "${diff_ids[@]}")
  sha=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" >"$stage/$sha.json"
  jq -cn --arg config "$sha.json" --arg tag "$tag" --args \
    '[{Config: $config, RepoTags: [$tag], Layers: $ARGS.positional}]' "${layers[@]}" >"$stage/manifest.json"
  tar -C "$stage" -cf "$out.tmp" . && mv "$out.tmp" "$out"
  rm -rf "$stage"
}

# node_base_layer OUT: /usr/bin/node, the shared libraries `ldd` lists for it, a minimal
# /etc/passwd and /etc/group, and a world-writable /tmp: enough for `node` to run in a container.
node_base_layer() {
  local out=$1 root lib node
  node=$(readlink -f /usr/bin/node)
  root=$(mktemp -d "${out}.root.XXXXXX")
  mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp" "$root/app"
  chmod 1777 "$root/tmp"
  cp "$node" "$root/usr/bin/node"
  # `ldd` lines: "libx.so => /lib/.../libx.so (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)".
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(ldd "$node" | grep -o '/[^ ]*' | sort -u)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$out.tmp" . && mv "$out.tmp" "$out"
  rm -rf "$root"
}
