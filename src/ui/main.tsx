import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { runParityCase } from '../diagnostics/parity-check.js';
import { startEngineWorker } from '../engine/client.js';
import { registerOfflineWorker } from '../offline/register.js';
import { App } from './App.js';
import { autoLoadBundledPack, connectEngine } from './actions.js';
import { createStudioEngine } from './engine.js';
import { connectModelManager } from './models/model-manager.js';
import { useOfflineStore } from './models/offline-store.js';
import { useEngineStore } from './store.js';
import './styles.css';

// One engine for the Studio and the console: calls from both are queued instead of colliding.
const engine = createStudioEngine(startEngineWorker());
connectEngine(engine);
connectModelManager(engine);
// Production builds store themselves for offline use (the service worker); development never does.
registerOfflineWorker((state) => useOfflineStore.getState().set(state));

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
  .then((caps) => {
    // Queue the bundled pack's load before the page says it is ready, so that a load asked for after
    // "Engine ready." (a test, the console) runs after it and wins; one asked for earlier stands.
    autoLoadBundledPack();
    useEngineStore.getState().setCapabilities(caps);
  })
  .catch((error: unknown) => useEngineStore.getState().setError(error instanceof Error ? error.message : String(error)));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
