import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AdminAccountsService } from './admin-accounts.service';

/**
 * The service's first start creates the admin `admin` with a one-time password
 * (AdminAccountsService.bootstrap). Registered by the service's AppModule only: the CLI creates
 * accounts with its own commands.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  constructor(private readonly accounts: AdminAccountsService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.accounts.bootstrap();
  }
}
