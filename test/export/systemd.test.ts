// Quoting and escaping for systemd, checked key by key (systemd-analyze verify cannot show the values).
import { describe, expect, it } from 'vitest';
import { execArg, systemdEscape, unitName } from '../../src/export/systemd.js';
import { detectBootKind } from '../../src/export/boot.js';

describe('systemd quoting', () => {
  it('leaves plain words, quotes the rest, doubles % and $', () => {
    expect(execArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(execArg('a b')).toBe('"a b"');
    expect(execArg('')).toBe('""');
    expect(execArg('50%')).toBe('50%%');
    expect(execArg('$HOME')).toBe('"$$HOME"');
    expect(execArg('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(execArg('line\nbreak')).toBe('"line\\nbreak"');
  });

  it('escapes unit names as systemd-escape does', () => {
    expect(systemdEscape('web')).toBe('web');
    expect(systemdEscape('api/v2')).toBe('api-v2');
    expect(systemdEscape('a b')).toBe('a\\x20b');
    expect(systemdEscape('.hidden')).toBe('\\x2ehidden');
    expect(unitName('web-1')).toBe('sentinel-web\\x2d1.service');
  });

  it('picks the boot system from the platform and PID 1', () => {
    expect(detectBootKind('darwin', () => false)).toBe('launchd');
    expect(detectBootKind('win32', () => false)).toBe('windows');
    expect(detectBootKind('linux', (p) => p === '/run/systemd/system')).toBe('systemd');
    expect(detectBootKind('linux', (p) => p === '/sbin/openrc-run')).toBe('openrc');
    expect(detectBootKind('linux', () => false)).toBe('initd');
  });
});
