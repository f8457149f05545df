# The sidebundle frontend image: Node's official binary (stripped) and upx with the files they need,
# the bundled frontend, and the static tools of every platform it builds bundles for, on scratch.
# `npm run image` (scripts/image.sh) builds it from the working tree (no registry).

# One platform's static tools (tracer, launcher, packer, the tests' shell) and its Node, stripped:
# what `scripts/image.sh --multiarch` builds for each platform (a foreign one under emulation) and
# exports to dist/. The one-platform image takes the machine's own from `npm run build` instead.
FROM debian:bookworm-slim AS tools-build
# The archive's name does not always resolve at once in a build: apt retries (with a back-off).
RUN echo 'Acquire::Retries "6";' >/etc/apt/apt.conf.d/80retries
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

# Node and upx (BUNDLE --compress) with the files they need as the project's own closure engine finds
# them. Debian's upx-ucl comes from bookworm-backports, through the archive the base image names.
FROM debian:bookworm-slim AS runtime
RUN echo 'Acquire::Retries "6";' >/etc/apt/apt.conf.d/80retries
RUN set -e; apt-get update -qq; \
    uri=$(apt-get indextargets --format '$(REPO_URI)' 'Release: bookworm' 'Identifier: Packages' | head -n 1); \
    echo "deb $uri bookworm-backports main" >/etc/apt/sources.list.d/backports.list; \
    apt-get update -qq; apt-get install -y -qq --no-install-recommends -t bookworm-backports upx-ucl >/dev/null; \
    rm -rf /var/lib/apt/lists/*
ARG TARGETOS TARGETARCH
COPY dist/node/${TARGETOS}_${TARGETARCH} /usr/bin/node
COPY dist/sidebundle.js /closure/sidebundle.js
# The ELF closures of node and upx, symlinks and modes as they are; no run-time data rule (the
# frontend reads no zone, locale or NSS database).
RUN set -e; \
    node /closure/sidebundle.js closure --root / --json --skip-rule zoneinfo --skip-rule nss --skip-rule gconv \
      --skip-rule locale --skip-rule tls /usr/bin/node /usr/bin/upx >/closure/plan.json; \
    node -e 'for (const e of JSON.parse(require("fs").readFileSync(0, "utf8")).entries) console.log(e.path.slice(1))' \
      </closure/plan.json >/closure/paths; \
    mkdir /rootfs; tar -C / --no-recursion -cf - -T /closure/paths | tar -C /rootfs -xf -; \
    mkdir -m 1777 /rootfs/tmp

FROM scratch
COPY --from=runtime /rootfs /
# The static tools run in users' builds; the frontend reads them from tools/<os>_<arch>/ beside
# itself (frontend/trace/tools.ts). The resolve, times, single-file and compress programs run in
# this image, in exec ops of the build.
COPY dist/tools/ /sidebundle/tools/
COPY dist/frontend.mjs dist/sidebundle-resolve.mjs dist/sidebundle-times.mjs dist/sidebundle-single.mjs dist/sidebundle-compress.mjs /sidebundle/
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/usr/bin/node", "/sidebundle/frontend.mjs"]
