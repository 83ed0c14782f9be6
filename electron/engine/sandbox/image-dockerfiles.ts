/**
 * Dockerfile templates for the layers on top of the imported Debian base. `{{NAME}}` placeholders
 * are filled from the recipe; the templates themselves are part of the recipe hash. Built with the
 * classic builder, FROM a local tag, never pulled.
 */

/** The default agent image: tools, the non-root user and Paddock's in-sandbox helpers. */
export const IMAGE_DOCKERFILE = `FROM {{BASE}}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \\
 && apt-get install -y --no-install-recommends {{PACKAGES}} \\
 && apt-get clean \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \\
           /var/log/apt/* /var/log/dpkg.log /var/cache/debconf/*-old
RUN groupadd --gid {{GID}} {{USER}} \\
 && useradd --uid {{UID}} --gid {{GID}} --home-dir {{HOME}} --create-home --shell /bin/bash {{USER}} \\
 && mkdir -p /workspace {{AGENTS}} \\
 && chown {{UID}}:{{GID}} /workspace
COPY helpers/ {{HELPERS}}/
RUN chmod -R a+rX,go-w /opt/paddock
ENV HOME={{HOME}} LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /workspace
USER {{UID}}:{{GID}}
LABEL paddock.kind=agent paddock.recipe={{RECIPE}}
CMD ["bash"]
`;

/**
 * An agent layer: the npm install prefix staged on the host, its command on PATH, a smoke run.
 * Modes are fixed on the host before the COPY: a `RUN chmod -R` here would copy every file
 * (hundreds of MB of native binaries) into a second layer.
 */
export const AGENT_DOCKERFILE = `FROM {{IMAGE}}
USER 0:0
COPY --chown=0:0 pkg/ {{DEST}}/
{{BIN_STEP}}
USER {{UID}}:{{GID}}
RUN {{SMOKE}}
LABEL paddock.kind=agent paddock.agent={{AGENT}} paddock.recipe={{RECIPE}}
`;

/** Fill `{{NAME}}` placeholders; an unknown placeholder is a programming error. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`template placeholder {{${k}}} has no value`);
    return String(v);
  });
}
