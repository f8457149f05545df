# The sidebundle frontend image: Node's official binary (stripped), the libraries it links, the bundled
# frontend, and the static tools of every platform it builds bundles for, on scratch.
# `npm run image` (scripts/image.sh) builds it offline from the working tree (no registry).

# One platform's static tools (tracer, launcher, packer, the tests' shell) and its Node, stripped:
# what `scripts/image.sh --multiarch` builds for each platform (a foreign one under emulation) and
# exports to dist/. The one-platform image takes the machine's own from `npm run build` instead.
FROM debian:bookworm-slim AS tools-build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      binutils make musl-tools linux-libc-dev mksh && rm -rf /var/lib/apt/lists/*
COPY tracer-static /src/tracer-static
ARG TARGETARCH
COPY .cache/node/${TARGETARCH}/bin/node /src/node
RUN set -e; \
    make -s -C /src/tracer-static; \
    mkdir -p /out/tools; \
    mv /src/dist/sidebundle-trace /src/dist/sidebundle-launch /src/dist/sidebundle-pack /src/dist/sidebundle-single /out/tools/; \
    cp "/usr/lib/$(musl-gcc -dumpmachine | cut -d- -f1)-linux-musl/bin/mksh" /out/tools/sh; \
    strip -o /out/node /src/node

FROM scratch AS tools
COPY --from=tools-build /out /

FROM debian:bookworm-slim AS runtime
ARG TARGETOS TARGETARCH
COPY dist/node/${TARGETOS}_${TARGETARCH} /rootfs/usr/bin/node
RUN set -e; \
    for lib in $(ldd /rootfs/usr/bin/node | grep -o '/[^ ]*'); do cp -L --parents "$lib" /rootfs; done; \
    mkdir -m 1777 /rootfs/tmp

FROM scratch
COPY --from=runtime /rootfs /
# The static tools run in users' builds; the frontend reads them from tools/<os>_<arch>/ beside
# itself (frontend/trace/tools.ts). The resolve, times and single-file programs run in this image,
# in exec ops of the build.
COPY dist/tools/ /sidebundle/tools/
COPY dist/frontend.mjs dist/sidebundle-resolve.mjs dist/sidebundle-times.mjs dist/sidebundle-single.mjs /sidebundle/
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/usr/bin/node", "/sidebundle/frontend.mjs"]
