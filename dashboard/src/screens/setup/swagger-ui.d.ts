// swagger-ui-dist ships no types; the little of its API the reference page uses.
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  export interface SwaggerRequest {
    url: string;
    userFetch?: (url: string, init: RequestInit) => Promise<Response>;
    [key: string]: unknown;
  }
  export interface SwaggerConfig {
    domNode: HTMLElement;
    spec: Record<string, unknown>;
    deepLinking?: boolean;
    tryItOutEnabled?: boolean;
    persistAuthorization?: boolean;
    requestInterceptor?: (request: SwaggerRequest) => SwaggerRequest;
    [key: string]: unknown;
  }
  const SwaggerUI: (config: SwaggerConfig) => unknown;
  export default SwaggerUI;
}
