import { BlockList, isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors';

export function parseBlockList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/**
 * Refuses requests whose client address is outside the allow-list. `req.ip` honours
 * `X-Forwarded-For` only from the proxies Express is told to trust (TRUSTED_PROXIES).
 */
export function ipAllowList(entries: string[]): RequestHandler {
  if (entries.length === 0) return (_req, _res, next) => next();
  const list = parseBlockList(entries);
  return (req, _res, next) => {
    const ip = (req.ip ?? '').replace(/^::ffff:/, '');
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (ip && list.check(ip, family)) return next();
    next(new HttpError(403, 'forbidden_ip', 'This address may not post 3CX webhooks'));
  };
}
