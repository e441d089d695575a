// The CLI builds only the commands of the file that defines the one a command line names (program.ts):
// its table must name every command and alias of the full program, each with the file that registers it.
import { describe, expect, it } from 'vitest';
import { buildProgram, commandOf, COMMAND_FILES } from '../../src/cli/program.js';

const names = (p: ReturnType<typeof buildProgram>) => p.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();

describe('building only the named command', () => {
  it('knows every top-level command and alias, and no other', () => {
    expect(Object.keys(COMMAND_FILES).sort()).toEqual(names(buildProgram()).filter((n) => n !== 'help'));
  });

  it('gets, for each name, the same command (options included) as the full program', () => {
    const full = buildProgram();
    for (const name of Object.keys(COMMAND_FILES)) {
      const partial = buildProgram([name]);
      const mine = partial.commands.find((c) => c.name() === name || c.aliases().includes(name));
      const theirs = full.commands.find((c) => c.name() === name || c.aliases().includes(name));
      expect(mine, name).toBeDefined();
      expect(mine!.helpInformation(), name).toBe(theirs!.helpInformation());
      // the partial program holds that file's commands only
      expect(partial.commands.length).toBeLessThan(full.commands.length);
    }
  });

  it('finds the command after the root options, and leaves help, version and unknown names to the full program', () => {
    expect(commandOf(['list'])).toBe('list');
    expect(commandOf(['ls', '--json'])).toBe('ls');
    expect(commandOf(['-H', 'deploy@10.0.0.5', 'list'])).toBe('list');
    expect(commandOf(['--context', 'prod', 'run', '--', 'sleep', '1'])).toBe('run');
    expect(commandOf(['list', '--help'])).toBe('list');
    expect(commandOf(['--help'])).toBeNull();
    expect(commandOf(['-V'])).toBeNull();
    expect(commandOf(['help', 'list'])).toBeNull();
    expect(commandOf(['lsit'])).toBeNull();
    expect(commandOf([])).toBeNull();
    expect(names(buildProgram(['lsit']))).toEqual(names(buildProgram()));
  });
});
