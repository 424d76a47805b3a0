// `podbgp completion bash|zsh`: the script parses in bash, and bash's completion machinery, run
// for real with COMP_WORDS/COMP_CWORD, offers the commands, flags, -o values and peer actions.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { runCli } from '../test-harness.ts';

function complete(script: string, words: string[]): string[] {
  const cword = words.length - 1;
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${cword}
_podbgp
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('cmd: podbgp completion', () => {
  it('bash: commands, flags, output formats, peer actions, originate verbs', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).to.equal(0);
    execFileSync('bash', ['-n', '-c', r.out]);
    expect(complete(r.out, ['podbgp', 'pe'])).to.deep.equal(['peers', 'peer']);
    expect(complete(r.out, ['podbgp', 'rib', '--l'])).to.deep.equal(['--longer']);
    expect(complete(r.out, ['podbgp', 'rib', '-o', ''])).to.deep.equal(['table', 'wide', 'json', 'yaml']);
    expect(complete(r.out, ['podbgp', 'rib', '--family', 'ipv'])).to.deep.equal(['ipv4', 'ipv6']);
    expect(complete(r.out, ['podbgp', 'peer', '10.0.0.1', 's'])).to.deep.equal(['soft-in', 'soft-out']);
    expect(complete(r.out, ['podbgp', 'originate', ''])).to.deep.equal(['add', 'del']);
    expect(complete(r.out, ['podbgp', 'peers', '--'])).to.deep.equal(['--output', '--socket', '--help']);
  });

  it('zsh: wraps the bash function with bashcompinit; unknown shell exits 2', async () => {
    const r = await runCli(['completion', 'zsh']);
    expect(r.out.split('\n').slice(0, 1)).to.deep.equal(['#compdef podbgp']);
    expect(r.out).to.include('bashcompinit');
    expect(r.out).to.include('complete -F _podbgp podbgp');
    const bad = await runCli(['completion', 'fish']);
    expect([bad.code, bad.err]).to.deep.equal([2, 'usage: podbgp completion bash|zsh\n']);
  });
});
