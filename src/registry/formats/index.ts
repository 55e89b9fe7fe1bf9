// The schema formats the registry serves, by Confluent's schemaType name.

import { avroFormat } from './avro.js';
import type { SchemaFormat } from './format.js';
import { jsonSchemaFormat } from './json-schema.js';
import { protobufFormat } from './protobuf.js';

export const FORMATS: SchemaFormat[] = [avroFormat as SchemaFormat, jsonSchemaFormat as SchemaFormat, protobufFormat as SchemaFormat];
