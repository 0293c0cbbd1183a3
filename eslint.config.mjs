import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries: who may import whom, by project tags. The contract library stays free of
// heavy runtime dependencies (tfjs-node, firebase-admin) so every stage and test can load it.
export default [
  { ignores: ['**/node_modules/**', '**/dist/**', 'out/**', 'registry/**', '**/.venv/**', '**/target/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          banTransitiveDependencies: true,
          depConstraints: [
            {
              sourceTag: 'type:contract',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: ['@tensorflow/*', 'firebase-admin', 'firebase-admin/*', 'execa'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contract'], bannedExternalImports: ['@tensorflow/*', 'firebase-admin', 'firebase-admin/*'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:lib', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:tool', 'type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:lib', 'type:tool'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
    },
  },
];
