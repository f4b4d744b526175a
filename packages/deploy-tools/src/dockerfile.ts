/** One Dockerfile instruction: its keyword (upper case) and its words. */
export type Instruction = { op: string; args: string[] };

/** A build stage: the FROM it starts with, its name, and what follows. */
export type Stage = { name?: string; base: string; steps: Instruction[] };

export type Dockerfile = {
  /** The instructions before the first FROM (global ARGs). */
  globals: Instruction[];
  stages: Stage[];
};

/** Instructions, continuation lines joined, comments dropped. */
export function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(l => {
      const [op, ...args] = l.split(/\s+/);
      return { op: op.toUpperCase(), args };
    });
}

/** A Dockerfile's stages, enough for static checks (no variable expansion). */
export function parseDockerfile(text: string): Dockerfile {
  const globals: Instruction[] = [];
  const stages: Stage[] = [];
  for (const step of instructions(text)) {
    if (step.op === 'FROM') {
      const [base, as, name] = step.args.filter(a => !a.startsWith('--'));
      stages.push({
        base,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        steps: [],
      });
    } else if (stages.length) {
      stages[stages.length - 1].steps.push(step);
    } else {
      globals.push(step);
    }
  }
  return { globals, stages };
}

/** The stage `docker build --target` picks: by name, else the last one. */
export function targetStage(file: Dockerfile, target?: string): Stage {
  const stage = target
    ? file.stages.find(s => s.name === target)
    : file.stages[file.stages.length - 1];
  if (!stage) throw new Error(`no stage named '${target}'`);
  return stage;
}

const byName = (file: Dockerfile, name: string) =>
  file.stages.find(s => s.name === name);

/**
 * What the image is made of: the target stage and the stages it is FROM,
 * the first one (on an outside image) first. Their instructions are all the
 * image's; what other stages do is thrown away.
 */
export function imageChain(file: Dockerfile, target?: string): Stage[] {
  const chain = [targetStage(file, target)];
  for (let s = byName(file, chain[0].base); s; s = byName(file, s.base)) {
    chain.unshift(s);
  }
  return chain;
}

/** The stages a step reads from: COPY --from and RUN --mount from=. */
function sources(step: Instruction): string[] {
  return step.args.flatMap(a => {
    const from = a.match(/^--from=(.+)$/);
    if (from) return [from[1]];
    const mount = a.match(/^--mount=(?:.*,)?from=([^,]+)/);
    return mount ? [mount[1]] : [];
  });
}

/**
 * Every stage BuildKit runs for a target: its chain and, transitively, the
 * stages those copy or mount from. The others are skipped.
 */
export function stagesNeeded(file: Dockerfile, target?: string): Stage[] {
  const needed = new Set<Stage>();
  const visit = (stage: Stage) => {
    if (needed.has(stage)) return;
    needed.add(stage);
    const parents = [stage.base, ...stage.steps.flatMap(sources)];
    for (const name of parents) {
      const parent = byName(file, name);
      if (parent) visit(parent);
    }
  };
  visit(targetStage(file, target));
  return file.stages.filter(s => needed.has(s));
}
