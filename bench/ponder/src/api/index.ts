// Ponder requires an API file; the bench reads Ponder's own /status and /ready, so none is served.
import { Hono } from "hono";

export default new Hono();
