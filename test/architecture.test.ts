// The layers of src/ point one way (see .dependency-cruiser.cjs): the real tree has no back-edge,
// and the same rules refuse every back-edge between any two layers of a tree built for the test.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs') as {
  layers: [name: string, path: string, sample: string][];
  forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
  options: ICruiseOptions;
};

function cruiseOptions(baseDir: string): ICruiseOptions {
  return { ...config.options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } };
}

async function violations(baseDir: string, roots: string[], tsConfig?: unknown): Promise<IViolation[]> {
  const { output } = await cruise(roots, cruiseOptions(baseDir), undefined, tsConfig ? { tsConfig } : undefined);
  if (typeof output === 'string') throw new Error('expected a cruise result, not a report');
  return output.summary.violations;
}

describe('the layers of src/', () => {
  it('have no back-edge, and every module of src/ has a layer', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const { output } = await cruise(['src'], cruiseOptions(root), undefined, {
      tsConfig: extractTSConfig(path.join(root, 'tsconfig.json')),
    });
    if (typeof output === 'string') throw new Error('expected a cruise result');
    // The check looked at the real tree: every layer has modules, and imports resolved to files.
    const sources = output.modules.map((module) => module.source).filter((source) => source.startsWith('src/'));
    for (const [name, pattern] of config.layers) {
      expect(sources.some((source) => new RegExp(pattern).test(source)), `layer ${name} has modules`).toBe(true);
    }
    expect(output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  describe('on a tree with one module in every layer', () => {
    let dir: string;
    const layers = config.layers;
    const file = (layer: number) => layers[layer]![2];
    // A module importing `others`, by paths relative to its own file.
    const moduleText = (from: string, others: string[]) =>
      others.map((to) => `import '${path.relative(path.dirname(from), to).replace(/^(?!\.)/, './').replace(/\.ts$/, '')}';`).join('\n') +
      '\nexport {};\n';

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'cf-layers-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function tree(imports: (layer: number) => number[]) {
      const root = await mkdtemp(path.join(dir, 't-'));
      for (let layer = 0; layer < layers.length; layer++) {
        const from = file(layer);
        await mkdir(path.join(root, path.dirname(from)), { recursive: true });
        await writeFile(path.join(root, from), moduleText(from, imports(layer).map(file)));
      }
      return root;
    }

    it('accepts every import of a layer below', async () => {
      const root = await tree((layer) => layers.map((_, other) => other).filter((other) => other > layer));
      expect(await violations(root, ['src'])).toEqual([]);
    });

    it('refuses every import of a layer above, naming the importing layer', async () => {
      const root = await tree((layer) => layers.map((_, other) => other).filter((other) => other < layer));
      const found = (await violations(root, ['src'])).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
      const expected = layers
        .flatMap(([name], layer) => layers.slice(0, layer).map((_, above) => `no-import-up-from-${name}: ${file(layer)} → ${file(above)}`))
        .sort();
      expect(expected.length).toBe((layers.length * (layers.length - 1)) / 2);
      expect(found).toEqual(expected);
    });

    it('refuses a module of src/ outside every layer, and src/ importing test code', async () => {
      const root = await tree(() => []);
      await mkdir(path.join(root, 'src/misc'), { recursive: true });
      await mkdir(path.join(root, 'test'), { recursive: true });
      await writeFile(path.join(root, 'test/helper.ts'), 'export const x = 1;\n');
      await writeFile(path.join(root, 'src/misc/stray.ts'), `import '../${path.relative('src', file(layers.length - 1)).replace(/\.ts$/, '')}';\nexport {};\n`);
      await writeFile(path.join(root, file(layers.length - 1)), `import '${path.relative(path.dirname(file(layers.length - 1)), 'test/helper').replace(/^(?!\.)/, './')}';\nexport {};\n`);
      const found = (await violations(root, ['src'])).map((v) => v.rule.name).sort();
      expect(found).toEqual(['every-module-has-a-layer', 'no-tooling-in-product']);
    });
  });
});
