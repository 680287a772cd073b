import { useEngineStore } from './store.js';

export function App() {
  const { status, capabilities, error } = useEngineStore();
  return (
    <main className="app">
      <header>
        <h1>IV-mixed Studio</h1>
        <p>Text-to-video diffusion in your browser, with the IV-mixed Sampler.</p>
      </header>
      <section aria-labelledby="engine-heading">
        <h2 id="engine-heading">Engine</h2>
        <p role="status" data-testid="engine-status">
          {status === 'starting' && 'Starting the engine…'}
          {status === 'ready' && 'Engine ready.'}
          {status === 'error' && `Engine failed to start: ${error}`}
        </p>
        {capabilities && (
          <dl>
            <dt>WebGPU</dt>
            <dd>
              {capabilities.webgpu.available
                ? `available (${capabilities.webgpu.adapter}; shader-f16 ${capabilities.webgpu.shaderF16 ? 'yes' : 'no'})`
                : `not available: ${capabilities.webgpu.reason}`}
            </dd>
            <dt>WASM</dt>
            <dd>
              {capabilities.wasm.threads} thread{capabilities.wasm.threads === 1 ? '' : 's'}
              {capabilities.wasm.crossOriginIsolated ? '' : ' (page is not cross-origin isolated)'}
            </dd>
          </dl>
        )}
      </section>
    </main>
  );
}
