/**
 * The eight templates' end-to-end scenario (test/n8n/templates.test.ts, unchanged) in n8n's queue mode: main
 * polls and enqueues, two workers run the executions (template 7's broadcast among them), the webhook processor
 * takes the webhook templates' requests and the acknowledgments of template 8. Part of `npm test` (alone: `npm run test:scale`).
 */
process.env.OTDP_TEMPLATES_IN_QUEUE_MODE = '1';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../n8n/templates.test');
