import { isMap, isScalar, parseDocument, Scalar } from 'yaml';

/** The image tags the GitOps step sets, by values path. */
export const IMAGE_TAG_PATHS = {
  backend: ['backend', 'image', 'tag'],
  proxy: ['proxy', 'image', 'tag'],
  buildRunner: ['buildRunner', 'image', 'tag'],
} as const;

export type ImageName = keyof typeof IMAGE_TAG_PATHS;

/** An OCI tag (what a git SHA or a release tag must look like to be pushed). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Sets exactly `backend.image.tag`, `proxy.image.tag` and
 * `buildRunner.image.tag` in a values file and nothing else: comments,
 * order, quoting and every other `tag:` stay as they are. Each tag is
 * written as a quoted string, because a SHA of digits only (or `1e5...`)
 * would otherwise be read back as a number. Fails when a path is missing
 * rather than creating it, so a renamed key cannot go unnoticed.
 */
export function bumpImageTags(
  text: string,
  tags: Partial<Record<ImageName, string>>,
): { text: string; changed: ImageName[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new Error(`values file does not parse: ${doc.errors[0].message}`);
  }
  const changed: ImageName[] = [];
  for (const [name, tag] of Object.entries(tags) as [ImageName, string][]) {
    if (tag === undefined) continue;
    const path = IMAGE_TAG_PATHS[name];
    if (!path) throw new Error(`unknown image '${name}'`);
    if (!TAG.test(tag)) {
      throw new Error(`'${tag}' is not a valid image tag for ${name}`);
    }
    const image = doc.getIn(path.slice(0, -1), true);
    if (!isMap(image)) {
      throw new Error(`${path.slice(0, -1).join('.')} is not in the file`);
    }
    const current = image.get('tag', true);
    if (!isScalar(current)) {
      throw new Error(`${path.join('.')} is not in the file`);
    }
    if (current.value === tag && typeof current.value === 'string') continue;
    const next = new Scalar(tag);
    next.type = Scalar.QUOTE_DOUBLE;
    next.comment = current.comment;
    next.commentBefore = current.commentBefore;
    image.set('tag', next);
    changed.push(name);
  }
  // lineWidth 0: never re-fold long lines the file already has.
  return {
    text: changed.length ? doc.toString({ lineWidth: 0 }) : text,
    changed,
  };
}
