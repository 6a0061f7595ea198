import * as net from 'net';

/**
 * A TCP port on 127.0.0.1 that is free right now (the OS picks it); someone else may take it before it
 * is used, which is why startN8n retries on a port clash.
 */
export async function freePort(): Promise<number> {
	return await new Promise<number>((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
		});
	});
}
