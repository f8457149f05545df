# The sidebundle frontend image: Node's official binary (stripped) and upx (BUNDLE --compress), with
# the files they need as the project's own closure engine finds them, and the bundled frontend, on
# scratch. `npm run image` builds it from the working tree with no registry; the upx stage installs
# Debian's upx-ucl from bookworm-backports, through the archive the base image already names.
FROM debian:bookworm-slim AS runtime
RUN set -e; apt-get update -qq; \
    uri=$(apt-get indextargets --format '$(REPO_URI)' 'Release: bookworm' 'Identifier: Packages' | head -n 1); \
    echo "deb $uri bookworm-backports main" >/etc/apt/sources.list.d/backports.list; \
    apt-get update -qq; apt-get install -y -qq --no-install-recommends -t bookworm-backports upx-ucl >/dev/null; \
    rm -rf /var/lib/apt/lists/*
COPY dist/node /usr/bin/node
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
# The static tools (tracer, launcher, packer, the tests' shell) run in users' builds; the frontend
# reads them from beside itself. The resolve, times and compress programs run in this image, in
# exec ops of the build.
COPY dist/frontend.mjs dist/sidebundle-resolve.mjs dist/sidebundle-times.mjs dist/sidebundle-compress.mjs dist/sidebundle-trace dist/sidebundle-launch dist/sidebundle-pack dist/sh /sidebundle/
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/usr/bin/node", "/sidebundle/frontend.mjs"]
