import type { z } from 'zod';
import type { ProjectRow } from '../../database/tables';
import type { GithubApi } from '../github/GithubApi';
import type { GitDeploys } from './GitDeploys';

/** What the handlers of git events work with. */
export type GitEventContext = {
  deploys: GitDeploys;
  /** GitHub's REST API (the compare API for monorepo path filters). */
  github: GithubApi;
};

/** How one GitHub event (`push`, `pull_request`) is handled. */
export type GitEventHandling<P> = {
  /** The payload fields the handling reads. */
  schema: z.ZodType<P>;
  /** Why the delivery concerns no project at all (e.g. a tag push), or undefined. */
  ignore(payload: P): string | undefined;
  /** What the delivery does to one project of its repository; the outcome. */
  forProject(payload: P, project: ProjectRow): Promise<string>;
};
