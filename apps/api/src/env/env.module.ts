import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { LoadedEnv } from './env.loader';

export const LOADED_ENV = Symbol('LOADED_ENV');
export const SETTINGS = Symbol('SETTINGS');

/** Injects the validated settings (see env.schema.ts). */
export const InjectSettings = () => Inject(SETTINGS);
export const InjectLoadedEnv = () => Inject(LOADED_ENV);

/** Provides the environment that main.ts validated before Nest started; it never re-reads process.env. */
@Global()
@Module({})
export class EnvModule {
  static forRoot(env: LoadedEnv): DynamicModule {
    return {
      module: EnvModule,
      providers: [
        { provide: LOADED_ENV, useValue: env },
        { provide: SETTINGS, useValue: env.settings },
      ],
      exports: [LOADED_ENV, SETTINGS],
    };
  }
}
