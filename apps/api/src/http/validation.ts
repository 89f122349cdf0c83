import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

function flatten(errors: ValidationError[], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out[field] = Object.values(error.constraints).join('; ');
    Object.assign(out, flatten(error.children ?? [], field));
  }
  return out;
}

/** DTO validation: unknown fields refused, failures keyed by field path. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => {
    const fields = flatten(errors);
    return new BadRequestException({ message: `invalid fields: ${Object.keys(fields).join(', ')}`, errors: fields });
  },
});
