# The sidebundle frontend image: Node's official binary (stripped), the libraries it links, and the bundled
# frontend, on scratch. `npm run image` builds it offline from the working tree (no registry).
FROM debian:bookworm-slim AS runtime
COPY dist/node /rootfs/usr/bin/node
RUN set -e; \
    for lib in $(ldd /rootfs/usr/bin/node | grep -o '/[^ ]*'); do cp -L --parents "$lib" /rootfs; done; \
    mkdir -m 1777 /rootfs/tmp

FROM scratch
COPY --from=runtime /rootfs /
# The static tools (tracer, launcher, packer, the tests' shell) run in users' builds; the frontend
# reads them from beside itself. The resolve, times and single-file programs run in this image, in
# exec ops of the build (the last reads sidebundle-single, the head of every single-file bundle).
COPY dist/frontend.mjs dist/sidebundle-resolve.mjs dist/sidebundle-times.mjs dist/sidebundle-single.mjs dist/sidebundle-trace dist/sidebundle-launch dist/sidebundle-pack dist/sidebundle-single dist/sh /sidebundle/
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/usr/bin/node", "/sidebundle/frontend.mjs"]
