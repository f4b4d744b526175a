import { useState } from 'react';

export function App() {
  const [count, setCount] = useState(0);
  return (
    <main>
      <h1>${{ values.name }}</h1>
      <p>${{ values.description }}</p>
      <button type="button" onClick={() => setCount(c => c + 1)}>
        Clicked {count} times
      </button>
      <p className="hint">
        Edit <code>src/App.tsx</code>, push to <code>main</code> and deploy
        from Novahost: it runs <code>npm run build</code> and serves{' '}
        <code>dist/</code>.
      </p>
    </main>
  );
}
