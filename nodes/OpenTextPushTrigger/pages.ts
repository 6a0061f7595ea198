/** The small HTML pages a person sees after clicking an acknowledgment link. No scripts, no external assets. */

function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
	);
}

function page(title: string, inner: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b2a6b}
button{font-size:1.1rem;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#1b2a6b;color:#fff;cursor:pointer}</style>
</head><body><h1>${escapeHtml(title)}</h1>${inner}</body></html>`;
}

/** Asks for one more click, so that mail scanners that open links do not acknowledge on a person's behalf. */
export function confirmationPage(token: string, kind: string, question: string): string {
	return page(
		'Please confirm',
		`<p>${escapeHtml(question)}</p><form method="post"><input type="hidden" name="token" value="${escapeHtml(token)}">` +
			`<input type="hidden" name="kind" value="${escapeHtml(kind)}"><button type="submit">Confirm</button></form>`,
	);
}

export function resultPage(title: string, text: string): string {
	return page(title, `<p>${escapeHtml(text)}</p>`);
}
