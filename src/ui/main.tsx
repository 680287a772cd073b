import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { runParityCase } from '../diagnostics/parity-check.js';
import { startEngineWorker } from '../engine/client.js';
import { App } from './App.js';
import { useEngineStore } from './store.js';
import './styles.css';

const engine = startEngineWorker();

// A console and test handle on the engine: `await ivmix.engine.probe()`.
declare global {
  interface Window {
    ivmix: {
      engine: typeof engine;
      runParityCase: (input: Parameters<typeof runParityCase>[1]) => ReturnType<typeof runParityCase>;
    };
  }
}
window.ivmix = { engine, runParityCase: (input) => runParityCase(engine, input) };

engine
  .probe()
  .then((caps) => useEngineStore.getState().setCapabilities(caps))
  .catch((error: unknown) => useEngineStore.getState().setError(error instanceof Error ? error.message : String(error)));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
