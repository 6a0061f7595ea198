// Per-project default test timeout (jest ignores testTimeout inside a project's config).
jest.setTimeout(900000);
