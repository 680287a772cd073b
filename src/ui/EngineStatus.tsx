import { useEngineStore } from './store.js';

/** Whether the engine worker answered, and what this browser offers it. */
export function EngineStatus() {
  const { status, capabilities, error } = useEngineStore();
  return (
    <section className="panel engine-status" aria-labelledby="engine-heading">
      <h2 id="engine-heading">Engine</h2>
      <p role="status" data-testid="engine-status">
        {status === 'starting' && 'Starting the engine…'}
        {status === 'ready' && 'Engine ready.'}
        {status === 'error' && `Engine failed to start: ${error}`}
      </p>
      {capabilities && (
        <dl className="facts">
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
  );
}
