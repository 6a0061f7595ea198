// Per-project default test timeout (jest ignores testTimeout inside a project's config): a chaos suite runs for minutes.
jest.setTimeout(3 * 60 * 60 * 1000);
