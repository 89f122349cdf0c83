import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SETTINGS } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { dataSourceOptions } from './database.options';
import { runMigrations } from './migrator';
import { openSqlite } from './sqlite-file';

/** The connection, migrated before any provider can receive it. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SETTINGS],
      // toRetry: start-up fails at once with our message (main.ts prints it), not after a retry log with a stack.
      useFactory: (settings: Settings) => ({ ...dataSourceOptions(settings.database), autoLoadEntities: true, retryAttempts: 0, toRetry: () => false }),
      dataSourceFactory: async (options) => {
        const logger = new Logger(DatabaseModule.name);
        const dataSource = options?.type === 'better-sqlite3' ? await openSqlite(options) : await new DataSource(options!).initialize();
        const applied = await runMigrations(dataSource);
        logger.log(`database ready (${options!.type}${applied.length ? `; applied ${applied.join(', ')}` : ''})`);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
