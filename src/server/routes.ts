// Extra HTTP routes mounted next to /graphql on the same express app (downloads, playground).
// A module adds one entry to `routes`; each gets the app and the server's dependencies, and
// authenticates with `authenticateBearer` from ./context.
import type { Express } from 'express';
import type { ServerDeps } from './context';
import { mountDownloads } from '../delivery/download-route';
import { mountPlayground } from '../playground/route';

export type RouteMount = (app: Express, deps: ServerDeps) => void;

export const routes: RouteMount[] = [mountDownloads, mountPlayground];
